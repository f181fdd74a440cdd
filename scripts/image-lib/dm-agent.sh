#!/bin/sh
# dm-agent: the OMA DM client agent, run by our QuickJS build (/usr/bin/qjs, with the native module dmnative).
# All arguments go to the agent: dm-agent [--config FILE] [--state-dir DIR] [--json] COMMAND ...
exec /usr/bin/qjs -m /usr/lib/dm-agent/dm-agent.js "$@"
