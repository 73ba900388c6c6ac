-- Several messages on one connection: clean, an attachment removed (the
-- body replaced, the header fields edited), clean again.
dofile(DIR .. "/common.lua")
local conn = open_conn()
clean_message(conn, "SEVERAL1", "first")

envelope(conn, "SEVERAL2")
header_block(conn, {
	{ "From", " Anna Nowak <anna@example.net>" },
	{ "Subject", " invoice" },
	{ "MIME-Version", " 1.0" },
	{ "Content-Type", " multipart/mixed; boundary=\"b1\"" },
})
step(mt.bodystring(conn, "--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\n" ..
	"Content-Type: application/octet-stream; name=\"a.com\"\r\n" ..
	"Content-Disposition: attachment; filename=\"a.com\"\r\n\r\n" .. EICAR .. "\r\n--b1--\r\n"), "body")
step(mt.eom(conn), "end of message")
expect_reply(conn, SMFIR_ACCEPT, "the EICAR message")
if not mt.eom_check(conn, MT_BODYCHANGE) then
	fail("the EICAR message: body not replaced")
end
if not mt.eom_check(conn, MT_HDRINSERT, "X-Sluice-Verdict") then
	fail("the EICAR message: no verdict")
end

clean_message(conn, "SEVERAL3", "third")
mt.disconnect(conn)
