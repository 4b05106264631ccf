// tsc compiles only TypeScript; the Lua scripts ship beside the compiled store.
import { cpSync } from 'node:fs';

cpSync('packages/core/src/store/lua', 'packages/core/dist/store/lua', { recursive: true });
