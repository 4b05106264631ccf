import { createReadStream } from 'node:fs';
import { SaxesParser } from 'saxes';

/** One parsed element: its name (with its prefix, `wp:comment`), attributes, children and text. */
export interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** A source as readers take it: a stream, or a file's path. */
export function openSource(source: NodeJS.ReadableStream | string): NodeJS.ReadableStream {
  return typeof source === 'string' ? createReadStream(source) : source;
}

/** Where the next element named one of `names` starts in `text` from `from`, and which; null if none yet. */
function nextStart(
  text: string,
  names: readonly string[],
  from: number,
): { at: number; name: string } | null {
  let best: { at: number; name: string } | null = null;
  for (const name of names) {
    let at = text.indexOf(`<${name}`, from);
    while (at >= 0) {
      const after = text[at + name.length + 1];
      if (after === undefined || after === '>' || after === '/' || /\s/.test(after)) break;
      at = text.indexOf(`<${name}`, at + 1);
    }
    if (at >= 0 && (!best || at < best.at)) best = { at, name };
  }
  return best;
}

/**
 * The top-level elements named `names` of a large XML file, one at a time,
 * as text: the file is read in chunks and only the element being cut out is
 * held, so memory stays flat however large the file. Each element is parsed
 * on its own (`parseElement`), so a malformed one is skipped without taking
 * the rest of the file with it. An element ends at the first end tag of its
 * name (these formats never nest them).
 */
export async function* xmlElements(
  source: NodeJS.ReadableStream | string,
  names: readonly string[],
): AsyncGenerator<{ name: string; xml: string }> {
  let buffer = '';
  const stream = openSource(source);
  stream.setEncoding?.('utf8');
  for await (const chunk of stream) {
    buffer += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let from = 0;
    for (;;) {
      const start = nextStart(buffer, names, from);
      if (!start) {
        // Keep a tail that may hold the beginning of a start tag.
        from = Math.max(from, buffer.length - 64);
        break;
      }
      const selfClose = buffer.indexOf('>', start.at);
      if (selfClose < 0) {
        from = start.at;
        break;
      }
      if (buffer[selfClose - 1] === '/') {
        yield { name: start.name, xml: buffer.slice(start.at, selfClose + 1) };
        from = selfClose + 1;
        continue;
      }
      const endTag = `</${start.name}>`;
      const end = buffer.indexOf(endTag, selfClose);
      if (end < 0) {
        from = start.at;
        break;
      }
      yield { name: start.name, xml: buffer.slice(start.at, end + endTag.length) };
      from = end + endTag.length;
    }
    buffer = buffer.slice(from);
  }
  const rest = nextStart(buffer, names, 0);
  if (rest) yield { name: rest.name, xml: buffer.slice(rest.at) };
}

/** Parses one element's text into a tree; null when it is not well-formed XML. */
export function parseElement(xml: string): XmlNode | null {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XmlNode[] = [];
  let root: XmlNode | null = null;
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('opentag', (tag) => {
    const node: XmlNode = {
      name: tag.name,
      attributes: Object.fromEntries(
        Object.entries(tag.attributes).map(([name, value]) => [name, String(value)]),
      ),
      children: [],
      text: '',
    };
    stack.at(-1)?.children.push(node);
    if (stack.length === 0) root = node;
    stack.push(node);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (text: string) => {
    const node = stack.at(-1);
    if (node) node.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    parser.write(xml).close();
  } catch {
    failed = true;
  }
  return failed ? null : root;
}

/** The first child of that name. */
export const child = (node: XmlNode, name: string): XmlNode | undefined =>
  node.children.find((c) => c.name === name);

/** The trimmed text of the first child of that name ('' when absent). */
export const childText = (node: XmlNode, name: string): string => child(node, name)?.text.trim() ?? '';

/** An XML boolean (`true`/`1`). */
export const isTrue = (text: string): boolean => text === 'true' || text === '1';

/** The first value of an attribute in an element's raw text, for reporting one that did not parse. */
export function rawAttribute(xml: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(xml)?.[1];
}
