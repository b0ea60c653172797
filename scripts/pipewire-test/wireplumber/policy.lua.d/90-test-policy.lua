-- Links streams to their target.object or to the default device.
local policy = {
  ["move"] = true,
  ["follow"] = true,
  ["filter.forward-format"] = false,
  ["audio.no-dsp"] = false,
  ["duck.level"] = 0.3,
}
load_module("si-node")
load_module("si-audio-adapter")
load_module("si-standard-link")
load_module("si-audio-endpoint")
load_module("default-nodes-api")
load_module("mixer-api")
load_script("static-endpoints.lua", {})
load_script("create-item.lua", policy)
load_script("policy-node.lua", policy)
load_script("policy-endpoint-client.lua", policy)
load_script("policy-endpoint-client-links.lua", policy)
load_script("policy-endpoint-device.lua", policy)
