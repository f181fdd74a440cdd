// User-Agent of every HTTP request the agent makes on Node (DM messages, package GETs, install-notify):
// `dm-agent/<version> (node v<x.y.z>)`, built by src/dm/http-headers.ts as on QuickJS.
import { userAgent } from '../../src/dm/http-headers.js';

export const NODE_USER_AGENT = userAgent(`node ${process.version}`);
