-- Metadata ("default"), access for ordinary clients, default-node selection
-- without persistent state (tests must start from the same defaults each time).
load_module("metadata")
load_script("access/access-default.lua", { rules = {} })
load_module("default-nodes", {
  ["use-persistent-storage"] = false,
  ["auto-echo-cancel"] = false,
})
load_script("restore-stream.lua", {
  properties = { ["restore-props"] = false, ["restore-target"] = false },
  rules = {},
})
