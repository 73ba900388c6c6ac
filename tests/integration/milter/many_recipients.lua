-- A thousand recipients: all counted (the log says rcpts=1000), the first
-- hundred kept with a quarantined item, the message accepted.
dofile(DIR .. "/common.lua")
local conn = open_conn()
local rcpts = {}
for i = 1, 1000 do
	rcpts[i] = "agent" .. i .. "@contact-center.example"
end
envelope(conn, "MANYRCPT", rcpts)
header_block(conn, standard_fields("many recipients"))
step(mt.bodystring(conn, "one message for everyone\r\n"), "body")
step(mt.eom(conn), "end of message")
expect_reply(conn, SMFIR_ACCEPT, "many recipients")
mt.disconnect(conn)
