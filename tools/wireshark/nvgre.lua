--[[
nvgre.lua - NVGRE (RFC 7637) fields for Wireshark and tshark.

Wireshark 4.0 already decodes an NVGRE packet as GRE (protocol 0x6558,
Transparent Ethernet Bridging) followed by the inner Ethernet frame, but it
shows the 32-bit GRE key as one number. NVGRE splits that key into the
Virtual Subnet ID (upper 24 bits) and a FlowID (lower 8 bits). This script
adds a post-dissector, protocol "nvgre", with:

  nvgre.vsid           Virtual Subnet ID (decimal)
  nvgre.flowid         FlowID (hex)
  nvgre.reserved_vsid  present (true) only when the VSID is reserved by
                       RFC 7637: 0..0xFFF, or 0xFFFFFF; an expert warning
                       (nvgre.vsid.reserved) goes with it

A GRE header counts as NVGRE when its K (key present) bit is set, its
version is 0 and its protocol is 0x6558. RFC 7637 also wants every other
flag bit clear; a header with the C or S bit set is still decoded, with an
expert warning (nvgre.flags.noncompliant). Outer IPv4 and IPv6 both work,
as does more than one GRE layer in a packet. The GRE and inner-frame trees
are left exactly as Wireshark builds them; the nvgre subtree comes after
them, and its bytes are the GRE key.

Usage:
  tshark -X lua_script:tools/wireshark/nvgre.lua -r capture.pcap \
         -T fields -e frame.number -e nvgre.vsid -e nvgre.flowid
  tshark -X lua_script:tools/wireshark/nvgre.lua -r capture.pcap \
         -Y 'nvgre.vsid == 5001'
  Wireshark GUI: copy this file to ~/.local/lib/wireshark/plugins/ (or start
  wireshark with -X lua_script:PATH) and reload Lua plugins
  (Analyze > Reload Lua Plugins, Ctrl+Shift+L).

See tools/wireshark/README.md.
]]

local nvgre = Proto("nvgre", "Network Virtualization using GRE (RFC 7637)")

local pf_vsid = ProtoField.uint32("nvgre.vsid", "Virtual Subnet ID", base.DEC)
local pf_flowid = ProtoField.uint8("nvgre.flowid", "FlowID", base.HEX)
local pf_reserved = ProtoField.bool("nvgre.reserved_vsid", "Reserved VSID")
nvgre.fields = { pf_vsid, pf_flowid, pf_reserved }

local ei_reserved = ProtoExpert.new("nvgre.vsid.reserved", "VSID is reserved by RFC 7637",
                                    expert.group.PROTOCOL, expert.severity.WARN)
local ei_flags = ProtoExpert.new("nvgre.flags.noncompliant",
                                 "GRE flags other than K are set (RFC 7637 wants 0x2000)",
                                 expert.group.MALFORMED, expert.severity.WARN)
nvgre.experts = { ei_reserved, ei_flags }

-- Field extractors must be created when the script loads, not per packet.
local f_flags = Field.new("gre.flags_and_version")
local f_proto = Field.new("gre.proto")
local f_key = Field.new("gre.key")

local TEB = 0x6558          -- Transparent Ethernet Bridging
local FLAG_C = 0x8000       -- checksum present
local FLAG_R = 0x4000       -- routing present (RFC 1701)
local FLAG_K = 0x2000       -- key present
local VERSION_MASK = 0x0007

local function has(value, bit)
  return bit32.band(value, bit) ~= 0
end

-- A packet may carry several GRE headers (tunnels in tunnels), and a field
-- extractor returns each field's occurrences separately, so the three GRE
-- fields of one header are matched up by where they sit. FieldInfo.offset
-- counts from the start of the field's data source (normally the frame);
-- the source's length tells apart the rare packets with several sources.
local function position(fi, offset)
  return (offset or fi.offset) .. "/" .. fi.source:len()
end

local function by_position(infos)
  local index = {}
  for _, fi in ipairs(infos) do
    index[position(fi)] = fi
  end
  return index
end

function nvgre.dissector(tvb, pinfo, tree)
  local flags_list = { f_flags() }
  if #flags_list == 0 then
    return
  end
  local protos = by_position({ f_proto() })
  local keys = by_position({ f_key() })

  for _, flags_fi in ipairs(flags_list) do
    local flags = flags_fi.value
    local start = flags_fi.offset
    local proto_fi = protos[position(flags_fi, start + 2)]
    if proto_fi and proto_fi.value == TEB and has(flags, FLAG_K)
        and bit32.band(flags, VERSION_MASK) == 0 then
      -- The key follows the 4-byte base header, or the checksum/offset word.
      local key_at = start + 4
      if has(flags, FLAG_C) or has(flags, FLAG_R) then
        key_at = key_at + 4
      end
      local key_fi = keys[position(flags_fi, key_at)]
      if key_fi then
        local key = key_fi.value
        local vsid = math.floor(key / 256)
        local flowid = key % 256
        local range = key_fi.range

        local subtree = tree:add(nvgre, range)
        subtree:append_text(string.format(", VSID: %d, FlowID: 0x%02x", vsid, flowid))
        subtree:add(pf_vsid, range:range(0, 3), vsid)
        subtree:add(pf_flowid, range:range(3, 1), flowid)
        if vsid <= 0xFFF or vsid == 0xFFFFFF then
          local item = subtree:add(pf_reserved, range:range(0, 3), true)
          item:add_proto_expert_info(ei_reserved)
        end
        if flags ~= FLAG_K then
          subtree:add_proto_expert_info(ei_flags)
        end
      end
    end
  end
end

register_postdissector(nvgre)
