import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type BuildSerializer = ReturnType<typeof SerializerSelector>;
type RouteSerializerCompiler = ReturnType<BuildSerializer>;
type Serialize = ReturnType<RouteSerializerCompiler>;

/**
 * Fastify's serializer factory (fast-json-stringify), with each distinct
 * response schema compiled once per set of shared schemas instead of once per
 * route and status code. Almost every route answers its errors with the same
 * `Error` schema, and a schema with `anyOf` gets its own Ajv instance: the
 * server built over 700 serializers, 600 of them for that one schema, and held
 * about 10 MB of them.
 */
export function sharedSerializers(): BuildSerializer {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    const compiled = new Map<string, Serialize>();
    return (route) => {
      const key = JSON.stringify(route.schema);
      let serialize = compiled.get(key);
      if (!serialize) {
        serialize = compile(route);
        compiled.set(key, serialize);
      }
      return serialize;
    };
  };
}
