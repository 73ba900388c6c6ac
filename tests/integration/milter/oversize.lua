-- A body past general.max_message_size (the test sets 256k): refused with
-- 552 5.3.4 at the chunk that crosses it, not at the end.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "OVERSIZE")
header_block(conn, standard_fields("too big"))
local chunk = string.rep("x", 64000) .. "\r\n"
local refused = false
for i = 1, 8 do
	step(mt.bodystring(conn, chunk), "body chunk " .. i)
	local r = mt.getreply(conn)
	if r == SMFIR_REPLYCODE then
		refused = true
		if i < 4 then
			fail("refused at chunk " .. i .. ", before the limit")
		end
		break
	end
	if r ~= SMFIR_CONTINUE then
		fail("body chunk " .. i .. ": reply " .. string.char(r))
	end
end
if not refused then
	fail("a body of 512 KB was not refused")
end
-- the code (552 5.3.4) is in sluiced's log: miltertest checks codes at the end of message only
mt.disconnect(conn)
