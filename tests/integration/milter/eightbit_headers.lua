-- Raw 8-bit header fields: UTF-8, invalid UTF-8 and Latin-1 bytes in the
-- Subject and a display name, an 8-bit byte in a field name: judged, no crash.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "EIGHTBIT")
header_block(conn, {
	{ "From", " J\195\179zsef \233\250 <jozsef@example.net>" },
	{ "To", " agent@contact-center.example" },
	{ "Subject", " Sz\195\161mla \255\254 \192\128" },
	{ "X-N\233v", " \200\201\202" },
})
step(mt.bodystring(conn, "K\195\182sz\195\182n\195\182m.\r\n"), "body")
step(mt.eom(conn), "end of message")
local r = mt.getreply(conn)
if r ~= SMFIR_ACCEPT then
	fail("8-bit headers: reply " .. string.char(r))
end
mt.disconnect(conn)
