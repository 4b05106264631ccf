/**
 * The live protocol: every WebSocket message in both directions and every
 * domain event, as TypeBox schemas with the types derived from them, and the
 * one place server → client messages are serialised. Core, the gateway and
 * the widget (types only) import it from here.
 */
export * from './client.js';
export * from './domain-events.js';
export * from './messages.js';
export * from './schemas.js';
export * from './server.js';
