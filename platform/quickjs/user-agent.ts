// User-Agent of every HTTP request the agent makes on QuickJS (DM messages and package GETs through curl):
// `dm-agent/<version> (quickjs 2021-03-27)`, built by src/dm/http-headers.ts as on Node. QuickJS has no way to ask
// its own version at run time; scripts/build-qjs refuses any QuickJS source other than 2021-03-27, so the name is fixed.
import { userAgent } from '../../src/dm/http-headers.js';

export const QUICKJS_VERSION = '2021-03-27';
export const QJS_USER_AGENT = userAgent(`quickjs ${QUICKJS_VERSION}`);
