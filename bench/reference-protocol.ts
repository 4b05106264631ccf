/** What bench/http.ts hands the reference server (bench/reference-server.ts): ThreadKit's own answers, as sent. */

export interface RecordedResponse {
  status: number;
  /** Response headers as ThreadKit sent them, less those node:http writes by itself (date, connection, length). */
  headers: Record<string, string>;
  /** The body bytes, base64. */
  body: string;
}

export interface ReferenceSpec {
  /** The one path answered (the read's path and query); anything else is 404. */
  path: string;
  /** Answers without an Authorization header: the shared thread. */
  anonymous: {
    etag: string;
    identity: RecordedResponse;
    gzip: RecordedResponse;
    notModified: RecordedResponse;
  };
  /** The answer with one: a commenter's own view, as ThreadKit answered a browser's request for it. */
  signedIn: RecordedResponse;
}
