-- Malformed MIME (an unterminated multipart with two Content-Type fields in
-- a part): never delivered as it is: held (the body becomes the
-- placeholder), with a reference in the verdict.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "MALFORMED")
header_block(conn, {
	{ "From", " Eve <eve@example.net>" },
	{ "Subject", " broken" },
	{ "MIME-Version", " 1.0" },
	{ "Content-Type", " multipart/mixed; boundary=\"zz\"" },
})
step(mt.bodystring(conn, "--zz\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n\r\n" ..
	"<b>hi</b>\r\n--zz\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 trunc"), "body")
step(mt.eom(conn), "end of message")
expect_reply(conn, SMFIR_ACCEPT, "malformed")
if not mt.eom_check(conn, MT_BODYCHANGE) then
	fail("malformed: delivered as it came")
end
mt.disconnect(conn)
