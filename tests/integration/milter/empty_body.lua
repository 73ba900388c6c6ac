-- A message with header fields and no body at all (no body chunk), and one
-- with no header fields either: both judged and answered.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "EMPTY1")
header_block(conn, standard_fields("empty body"))
step(mt.eom(conn), "end of message")
expect_reply(conn, SMFIR_ACCEPT, "empty body")
if not mt.eom_check(conn, MT_HDRINSERT, "X-Sluice-Verdict") then
	fail("empty body: no verdict")
end
envelope(conn, "EMPTY2")
step(mt.eoh(conn), "end of header")
step(mt.eom(conn), "end of message")
local r = mt.getreply(conn)
if r ~= SMFIR_ACCEPT and r ~= SMFIR_TEMPFAIL then
	fail("nothing at all: reply " .. string.char(r))
end
mt.disconnect(conn)
