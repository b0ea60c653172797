-- Registers WirePlumber components by name (the Lua config's only interface).
components = {}

function load_module(name, args)
  components[name] = { "libwireplumber-module-" .. name, type = "module", args = args }
end

function load_script(name, args)
  components[name] = { name, type = "script/lua", args = args }
end
