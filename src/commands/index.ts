// oclif's explicit command strategy (package.json oclif.commands) reads COMMANDS from this module.
import Cleanup from './cleanup.js'
import Dig from './dig.js'
import Hosts from './hosts.js'
import Inspect from './inspect.js'
import Scan from './scan.js'

export const COMMANDS = {cleanup: Cleanup, dig: Dig, hosts: Hosts, inspect: Inspect, scan: Scan}
