/**
 * PyYAML's Parser (yaml/parser.py) and the checks its Composer (yaml/composer.py) makes while
 * `safe_load` composes the document, for the errors they raise: ParserError, ComposerError, and
 * through them the Scanner's and the Reader's. The composer pulls one event at a time and the
 * parser one token at a time, so the error `str()` gives here is the first PyYAML meets.
 * Nothing is built: what loads is read with the `yaml` package (python-yaml.ts).
 */
import { type Mark, MarkedSyntaxError, readerError } from './pyyaml-reader.js';
import { Scanner, type Token, type TokenId } from './pyyaml-scanner.js';
import { AwxServerError } from './replies.js';

type EventKind =
  | 'stream-start'
  | 'stream-end'
  | 'document-start'
  | 'document-end'
  | 'alias'
  | 'scalar'
  | 'sequence-start'
  | 'sequence-end'
  | 'mapping-start'
  | 'mapping-end';

interface Event {
  readonly kind: EventKind;
  readonly start: Mark;
  /** An alias's name, or a node's anchor. */
  readonly anchor?: string | undefined;
}

type State = () => Event;

const DEFAULT_HANDLES = ['!', '!!'];

const quoted = (id: TokenId) => `'${id}'`;

function parserError(
  context: string | undefined,
  contextMark: Mark | undefined,
  problem: string,
  problemMark: Mark,
): MarkedSyntaxError {
  return new MarkedSyntaxError(context, contextMark, problem, problemMark);
}

class Parser {
  readonly #scanner: Scanner;
  #state: State | undefined = () => this.#streamStart();
  readonly #states: State[] = [];
  readonly #marks: Mark[] = [];
  #handles = new Set(DEFAULT_HANDLES);

  constructor(scanner: Scanner) {
    this.#scanner = scanner;
  }

  /** The next event; `undefined` after the stream's end. */
  next(): Event | undefined {
    const state = this.#state;
    return state === undefined ? undefined : state();
  }

  #peek(): Token {
    const token = this.#scanner.peek();
    if (token === undefined) throw new Error('no token after the end of the stream');
    return token;
  }

  #check(...ids: TokenId[]): boolean {
    return this.#scanner.check(...ids);
  }

  #pop(): State {
    const state = this.#states.pop();
    if (state === undefined) throw new Error('the parser has no state to return to');
    return state;
  }

  #streamStart(): Event {
    const token = this.#scanner.next();
    this.#state = () => this.#implicitDocumentStart();
    return { kind: 'stream-start', start: token.start };
  }

  #implicitDocumentStart(): Event {
    if (this.#check('<directive>', '<document start>', '<stream end>')) {
      return this.#documentStart();
    }
    this.#handles = new Set(DEFAULT_HANDLES);
    const token = this.#peek();
    this.#states.push(() => this.#documentEnd());
    this.#state = () => this.#blockNode();
    return { kind: 'document-start', start: token.start };
  }

  #documentStart(): Event {
    while (this.#check('<document end>')) this.#scanner.next();
    if (this.#check('<stream end>')) {
      const token = this.#scanner.next();
      this.#state = undefined;
      return { kind: 'stream-end', start: token.start };
    }
    const start = this.#peek().start;
    this.#processDirectives();
    if (!this.#check('<document start>')) {
      const token = this.#peek();
      throw parserError(
        undefined,
        undefined,
        `expected '<document start>', but found ${quoted(token.id)}`,
        token.start,
      );
    }
    this.#scanner.next();
    this.#states.push(() => this.#documentEnd());
    this.#state = () => this.#documentContent();
    return { kind: 'document-start', start };
  }

  #documentEnd(): Event {
    const token = this.#peek();
    if (this.#check('<document end>')) this.#scanner.next();
    this.#state = () => this.#documentStart();
    return { kind: 'document-end', start: token.start };
  }

  #documentContent(): Event {
    if (this.#check('<directive>', '<document start>', '<document end>', '<stream end>')) {
      const event = this.#emptyScalar(this.#peek().start);
      this.#state = this.#pop();
      return event;
    }
    return this.#blockNode();
  }

  #processDirectives(): void {
    let version = false;
    const handles = new Set<string>();
    while (this.#check('<directive>')) {
      const token = this.#scanner.next();
      if (token.name === 'YAML') {
        if (version) {
          throw parserError(undefined, undefined, 'found duplicate YAML directive', token.start);
        }
        if (token.value !== 1) {
          throw parserError(
            undefined,
            undefined,
            'found incompatible YAML document (version 1.* is required)',
            token.start,
          );
        }
        version = true;
      } else if (token.name === 'TAG') {
        const handle = String(token.value);
        if (handles.has(handle)) {
          throw parserError(undefined, undefined, `duplicate tag handle '${handle}'`, token.start);
        }
        handles.add(handle);
      }
    }
    this.#handles = new Set([...handles, ...DEFAULT_HANDLES]);
  }

  #blockNode(): Event {
    return this.#node(true, false);
  }

  #flowNode(): Event {
    return this.#node(false, false);
  }

  #node(block: boolean, indentlessSequence: boolean): Event {
    if (this.#check('<alias>')) {
      const token = this.#scanner.next();
      this.#state = this.#pop();
      return { kind: 'alias', start: token.start, anchor: token.name };
    }
    let anchor: string | undefined;
    let tag: Token | undefined;
    let start: Mark | undefined;
    if (this.#check('<anchor>')) {
      const token = this.#scanner.next();
      start = token.start;
      anchor = token.name;
      if (this.#check('<tag>')) tag = this.#scanner.next();
    } else if (this.#check('<tag>')) {
      tag = this.#scanner.next();
      start = tag.start;
      if (this.#check('<anchor>')) anchor = this.#scanner.next().name;
    }
    if (tag?.name !== undefined && !this.#handles.has(tag.name)) {
      throw parserError(
        'while parsing a node',
        start,
        `found undefined tag handle '${tag.name}'`,
        tag.start,
      );
    }
    const at = start ?? this.#peek().start;
    const node = (kind: EventKind, state: State): Event => {
      this.#state = state;
      return { kind, start: at, anchor };
    };
    if (indentlessSequence && this.#check('-')) {
      return node('sequence-start', () => this.#indentlessSequenceEntry());
    }
    if (this.#check('<scalar>')) {
      this.#scanner.next();
      return node('scalar', this.#pop());
    }
    if (this.#check('[')) return node('sequence-start', () => this.#flowSequenceFirstEntry());
    if (this.#check('{')) return node('mapping-start', () => this.#flowMappingFirstKey());
    if (block && this.#check('<block sequence start>')) {
      return node('sequence-start', () => this.#blockSequenceFirstEntry());
    }
    if (block && this.#check('<block mapping start>')) {
      return node('mapping-start', () => this.#blockMappingFirstKey());
    }
    if (anchor !== undefined || tag !== undefined) return node('scalar', this.#pop());
    const token = this.#peek();
    throw parserError(
      `while parsing a ${block ? 'block' : 'flow'} node`,
      at,
      `expected the node content, but found ${quoted(token.id)}`,
      token.start,
    );
  }

  #emptyScalar(mark: Mark): Event {
    return { kind: 'scalar', start: mark };
  }

  /** The end of a collection: its closing token taken, its opening mark dropped. */
  #collectionEnd(kind: 'sequence-end' | 'mapping-end'): Event {
    const token = this.#scanner.next();
    this.#state = this.#pop();
    this.#marks.pop();
    return { kind, start: token.start };
  }

  #blockSequenceFirstEntry(): Event {
    this.#marks.push(this.#scanner.next().start);
    return this.#blockSequenceEntry();
  }

  #blockSequenceEntry(): Event {
    if (this.#check('-')) {
      const token = this.#scanner.next();
      if (!this.#check('-', '<block end>')) {
        this.#states.push(() => this.#blockSequenceEntry());
        return this.#blockNode();
      }
      this.#state = () => this.#blockSequenceEntry();
      return this.#emptyScalar(token.end);
    }
    this.#expectBlockEnd('while parsing a block collection');
    return this.#collectionEnd('sequence-end');
  }

  #expectBlockEnd(context: string): void {
    if (this.#check('<block end>')) return;
    const token = this.#peek();
    throw parserError(
      context,
      this.#marks.at(-1),
      `expected <block end>, but found ${quoted(token.id)}`,
      token.start,
    );
  }

  #indentlessSequenceEntry(): Event {
    if (this.#check('-')) {
      const token = this.#scanner.next();
      if (!this.#check('-', '?', ':', '<block end>')) {
        this.#states.push(() => this.#indentlessSequenceEntry());
        return this.#blockNode();
      }
      this.#state = () => this.#indentlessSequenceEntry();
      return this.#emptyScalar(token.end);
    }
    const token = this.#peek();
    this.#state = this.#pop();
    return { kind: 'sequence-end', start: token.start };
  }

  #blockMappingFirstKey(): Event {
    this.#marks.push(this.#scanner.next().start);
    return this.#blockMappingKey();
  }

  #blockMappingKey(): Event {
    if (this.#check('?')) {
      const token = this.#scanner.next();
      if (!this.#check('?', ':', '<block end>')) {
        this.#states.push(() => this.#blockMappingValue());
        return this.#node(true, true);
      }
      this.#state = () => this.#blockMappingValue();
      return this.#emptyScalar(token.end);
    }
    this.#expectBlockEnd('while parsing a block mapping');
    return this.#collectionEnd('mapping-end');
  }

  #blockMappingValue(): Event {
    if (this.#check(':')) {
      const token = this.#scanner.next();
      if (!this.#check('?', ':', '<block end>')) {
        this.#states.push(() => this.#blockMappingKey());
        return this.#node(true, true);
      }
      this.#state = () => this.#blockMappingKey();
      return this.#emptyScalar(token.end);
    }
    this.#state = () => this.#blockMappingKey();
    return this.#emptyScalar(this.#peek().start);
  }

  #flowSequenceFirstEntry(): Event {
    this.#marks.push(this.#scanner.next().start);
    return this.#flowSequenceEntry(true);
  }

  /** A flow collection's separator: a `,` between entries, or the error of its absence. */
  #flowEntry(first: boolean, context: string, closing: string): void {
    if (first) return;
    if (this.#check(',')) {
      this.#scanner.next();
      return;
    }
    const token = this.#peek();
    throw parserError(
      context,
      this.#marks.at(-1),
      `expected ',' or '${closing}', but got ${quoted(token.id)}`,
      token.start,
    );
  }

  #flowSequenceEntry(first = false): Event {
    if (!this.#check(']')) {
      this.#flowEntry(first, 'while parsing a flow sequence', ']');
      if (this.#check('?')) {
        const token = this.#peek();
        this.#state = () => this.#flowSequenceEntryMappingKey();
        return { kind: 'mapping-start', start: token.start };
      }
      if (!this.#check(']')) {
        this.#states.push(() => this.#flowSequenceEntry());
        return this.#flowNode();
      }
    }
    return this.#collectionEnd('sequence-end');
  }

  #flowSequenceEntryMappingKey(): Event {
    const token = this.#scanner.next();
    if (!this.#check(':', ',', ']')) {
      this.#states.push(() => this.#flowSequenceEntryMappingValue());
      return this.#flowNode();
    }
    this.#state = () => this.#flowSequenceEntryMappingValue();
    return this.#emptyScalar(token.end);
  }

  #flowSequenceEntryMappingValue(): Event {
    this.#state = () => this.#flowSequenceEntryMappingEnd();
    if (this.#check(':')) {
      const token = this.#scanner.next();
      if (!this.#check(',', ']')) {
        this.#states.push(() => this.#flowSequenceEntryMappingEnd());
        return this.#flowNode();
      }
      return this.#emptyScalar(token.end);
    }
    return this.#emptyScalar(this.#peek().start);
  }

  #flowSequenceEntryMappingEnd(): Event {
    this.#state = () => this.#flowSequenceEntry();
    return { kind: 'mapping-end', start: this.#peek().start };
  }

  #flowMappingFirstKey(): Event {
    this.#marks.push(this.#scanner.next().start);
    return this.#flowMappingKey(true);
  }

  #flowMappingKey(first = false): Event {
    if (!this.#check('}')) {
      this.#flowEntry(first, 'while parsing a flow mapping', '}');
      if (this.#check('?')) {
        const token = this.#scanner.next();
        if (!this.#check(':', ',', '}')) {
          this.#states.push(() => this.#flowMappingValue());
          return this.#flowNode();
        }
        this.#state = () => this.#flowMappingValue();
        return this.#emptyScalar(token.end);
      }
      if (!this.#check('}')) {
        this.#states.push(() => this.#flowMappingEmptyValue());
        return this.#flowNode();
      }
    }
    return this.#collectionEnd('mapping-end');
  }

  #flowMappingValue(): Event {
    this.#state = () => this.#flowMappingKey();
    if (this.#check(':')) {
      const token = this.#scanner.next();
      if (!this.#check(',', '}')) {
        this.#states.push(() => this.#flowMappingKey());
        return this.#flowNode();
      }
      return this.#emptyScalar(token.end);
    }
    return this.#emptyScalar(this.#peek().start);
  }

  #flowMappingEmptyValue(): Event {
    this.#state = () => this.#flowMappingKey();
    return this.#emptyScalar(this.#peek().start);
  }
}

/**
 * How deep collections may nest before the Composer, which recurses two Python frames a level,
 * meets CPython's recursion limit of 1000 frames; the frames under `safe_load` in an AWX request
 * take some, so a little short of the ~495 levels a bare `safe_load` reaches.
 */
export const MAX_NESTING = 450;

/**
 * Composer.get_single_node's checks, event by event: an alias names an anchor already defined
 * in the document, an anchor is defined once, and the stream holds one document. Nesting too
 * deep for it is the RecursionError parse_yaml_or_json lets through, AWX's 500.
 */
function compose(parser: Parser): void {
  let anchors = new Map<string, Mark>();
  let root: Mark | undefined;
  let documents = 0;
  let depth = 0;
  let previous: EventKind | undefined;
  for (let event = parser.next(); event !== undefined; event = parser.next()) {
    if (previous === 'document-start') root = event.start;
    previous = event.kind;
    if (event.kind === 'sequence-start' || event.kind === 'mapping-start') depth++;
    if (event.kind === 'sequence-end' || event.kind === 'mapping-end') depth--;
    if (depth > MAX_NESTING) {
      throw new AwxServerError('maximum recursion depth exceeded while composing the YAML');
    }
    if (event.kind === 'document-start' && documents++ > 0) {
      throw new MarkedSyntaxError(
        'expected a single document in the stream',
        root,
        'but found another document',
        event.start,
      );
    }
    if (event.kind === 'document-end') anchors = new Map();
    if (event.anchor === undefined) continue;
    if (event.kind === 'alias') {
      if (!anchors.has(event.anchor)) {
        throw new MarkedSyntaxError(
          undefined,
          undefined,
          `found undefined alias '${event.anchor}'`,
          event.start,
        );
      }
      continue;
    }
    const first = anchors.get(event.anchor);
    if (first !== undefined) {
      throw new MarkedSyntaxError(
        `found duplicate anchor '${event.anchor}'; first occurrence`,
        first,
        'second occurrence',
        event.start,
      );
    }
    anchors.set(event.anchor, event.start);
  }
}

/**
 * The str() of the ReaderError, ScannerError, ParserError or ComposerError `yaml.safe_load`
 * raises on this text, or nothing where it composes one document (or none).
 */
export function pyyamlSyntaxError(text: string): string | undefined {
  const unreadable = readerError(text);
  if (unreadable !== undefined) return unreadable;
  const scanner = new Scanner(text);
  try {
    compose(new Parser(scanner));
    return undefined;
  } catch (error) {
    if (!(error instanceof MarkedSyntaxError)) throw error;
    return scanner.reader.errorText(error);
  }
}
