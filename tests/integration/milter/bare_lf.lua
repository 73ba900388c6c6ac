-- Bare LF line ends in the body and in a folded header value (as some
-- clients send them): the message is scanned as it came; a link after a
-- bare LF is still found and defanged.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "BARELF1")
local fields = standard_fields("bare LF")
table.insert(fields, { "X-Folded", " a\n b\n\tc" })
header_block(conn, fields)
step(mt.bodystring(conn, "line one\nline two\nsee http://malware.invalid/x\n"), "body")
step(mt.eom(conn), "end of message")
expect_reply(conn, SMFIR_ACCEPT, "bare LF")
if not mt.eom_check(conn, MT_BODYCHANGE) then
	fail("bare LF: the blocklisted link was not defanged")
end
mt.disconnect(conn)
