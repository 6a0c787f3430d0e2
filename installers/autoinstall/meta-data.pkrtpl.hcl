instance-id: ${hostname}
local-hostname: ${hostname}
