// Outgoing requests to addresses the operator allows: the address rules and an HTTP client that keeps to them.
export {
  checkAllowEntry,
  type EgressPolicy,
  egressPolicy,
  isPublicAddress,
  mayConnect,
  PUBLIC_ONLY,
} from './addresses.js';
export { EgressRefused, egressHttp, guardedLookup, type HttpClient, MAX_ANSWER_BYTES } from './http.js';
