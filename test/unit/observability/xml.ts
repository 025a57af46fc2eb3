/**
 * A strict little XML parser for tests: it checks well-formedness (one root, matched tags,
 * quoted unique attributes, only valid entities, no bare `<` or `&`) and returns the element
 * tree. No dependency: the repository has no XML parser and tests need no more than this.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, unescaped character data directly inside the element. */
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/g;

function unescape(raw: string, where: string): string {
  const stripped = raw.replace(ENTITY, '');
  if (stripped.includes('&')) throw new Error(`bare & in ${where}`);
  return raw
    .replace(/&#x([0-9A-Fa-f]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(lt|gt|quot|apos);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'" })[name] as string)
    .replace(/&amp;/g, '&');
}

/** Parses `source` as an XML document. @throws Error describing the first well-formedness error. */
export function parseXml(source: string): XmlElement {
  let index = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    index = end + 2;
  }
  while (index < source.length) {
    const next = source.indexOf('<', index);
    const text = source.slice(index, next < 0 ? source.length : next);
    if (text.length > 0) {
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(text.slice(0, 20))}`);
      } else {
        if (text.includes('>') && /]]>/.test(text)) throw new Error(']]> in text');
        stack[stack.length - 1].text += unescape(text, 'text');
      }
    }
    if (next < 0) break;
    index = next;
    if (source.startsWith('<!--', index)) {
      const end = source.indexOf('-->', index + 4);
      if (end < 0) throw new Error('unterminated comment');
      index = end + 3;
      continue;
    }
    if (source.startsWith('<?', index)) {
      const end = source.indexOf('?>', index);
      if (end < 0) throw new Error('unterminated processing instruction');
      index = end + 2;
      continue;
    }
    if (source.startsWith('<!', index)) throw new Error('DOCTYPE, CDATA and declarations are not expected');
    if (source.startsWith('</', index)) {
      const match = NAME.exec(source.slice(index + 2));
      if (!match) throw new Error(`bad closing tag at ${index}`);
      const end = source.indexOf('>', index);
      if (end < 0 || source.slice(index + 2 + match[0].length, end).trim() !== '') throw new Error(`bad closing tag </${match[0]}`);
      const open = stack.pop();
      if (!open || open.name !== match[0]) throw new Error(`</${match[0]}> closes <${open?.name ?? 'nothing'}>`);
      index = end + 1;
      continue;
    }
    const match = NAME.exec(source.slice(index + 1));
    if (!match) throw new Error(`bare < at ${index}`);
    const element: XmlElement = { name: match[0], attributes: {}, children: [], text: '' };
    index += 1 + match[0].length;
    let selfClosing = false;
    for (;;) {
      const space = /^\s*/.exec(source.slice(index))![0];
      index += space.length;
      if (source.startsWith('/>', index)) {
        selfClosing = true;
        index += 2;
        break;
      }
      if (source.startsWith('>', index)) {
        index += 1;
        break;
      }
      if (space.length === 0) throw new Error(`attributes of <${element.name}> must be separated by spaces`);
      const attribute = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(source.slice(index));
      if (!attribute) throw new Error(`bad attribute in <${element.name}> near ${JSON.stringify(source.slice(index, index + 30))}`);
      if (attribute[1] in element.attributes) throw new Error(`duplicate attribute ${attribute[1]} in <${element.name}>`);
      element.attributes[attribute[1]] = unescape(attribute[3] ?? attribute[4], `attribute ${attribute[1]}`);
      index += attribute[0].length;
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else if (root) throw new Error('more than one root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element named `name` in the tree, depth first. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = element.name === name ? [element] : [];
  for (const child of element.children) found.push(...findAll(child, name));
  return found;
}
