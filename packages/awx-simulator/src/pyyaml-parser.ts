/**
 * PyYAML's Parser (yaml/parser.py): the events of a token stream, with its ParserErrors (and,
 * through it, the Scanner's) raised where PyYAML raises them, one event at a time as the
 * composer pulls them. A node's tag is resolved against the document's tag handles here.
 * One state machine (its states, their stack and the collections' marks), so one file past ~350
 * lines.
 */
import { type Mark, MarkedSyntaxError } from './pyyaml-reader.js';
import type { Scanner, Token, TokenId } from './pyyaml-scanner.js';

export type EventKind =
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

export interface Event {
  readonly kind: EventKind;
  readonly start: Mark;
  /** An alias's name, or a node's anchor. */
  readonly anchor?: string | undefined;
  /** A node's tag as written, its handle resolved; `!` is the non-specific tag. */
  readonly tag?: string | undefined;
  /** Whether the resolver reads a scalar's tag from its text (`implicit[0]`). */
  readonly implicit?: boolean | undefined;
  /** A scalar's text. */
  readonly value?: string | undefined;
}

type State = () => Event;

const DEFAULT_HANDLES: ReadonlyArray<readonly [string, string]> = [
  ['!', '!'],
  ['!!', 'tag:yaml.org,2002:'],
];

const quoted = (id: TokenId) => `'${id}'`;

function parserError(
  context: string | undefined,
  contextMark: Mark | undefined,
  problem: string,
  problemMark: Mark,
): MarkedSyntaxError {
  return new MarkedSyntaxError(context, contextMark, problem, problemMark);
}

export class Parser {
  readonly #scanner: Scanner;
  #state: State | undefined = () => this.#streamStart();
  readonly #states: State[] = [];
  readonly #marks: Mark[] = [];
  #handles = new Map(DEFAULT_HANDLES);

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
    this.#handles = new Map(DEFAULT_HANDLES);
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
    const handles = new Map<string, string>();
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
        handles.set(handle, token.suffix ?? '');
      }
    }
    this.#handles = new Map([...DEFAULT_HANDLES, ...handles]);
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
    const tagged = tag === undefined ? undefined : this.#tagOf(tag, start);
    const at = start ?? this.#peek().start;
    const implicit = tagged === undefined || tagged === '!';
    const node = (kind: EventKind, state: State, scalar: Partial<Event> = {}): Event => {
      this.#state = state;
      return { kind, start: at, anchor, tag: tagged, implicit, ...scalar };
    };
    if (indentlessSequence && this.#check('-')) {
      return node('sequence-start', () => this.#indentlessSequenceEntry());
    }
    if (this.#check('<scalar>')) {
      const token = this.#scanner.next();
      return node('scalar', this.#pop(), {
        value: String(token.value),
        implicit: (token.plain === true && tagged === undefined) || tagged === '!',
      });
    }
    if (this.#check('[')) return node('sequence-start', () => this.#flowSequenceFirstEntry());
    if (this.#check('{')) return node('mapping-start', () => this.#flowMappingFirstKey());
    if (block && this.#check('<block sequence start>')) {
      return node('sequence-start', () => this.#blockSequenceFirstEntry());
    }
    if (block && this.#check('<block mapping start>')) {
      return node('mapping-start', () => this.#blockMappingFirstKey());
    }
    if (anchor !== undefined || tag !== undefined)
      return node('scalar', this.#pop(), { value: '' });
    const token = this.#peek();
    throw parserError(
      `while parsing a ${block ? 'block' : 'flow'} node`,
      at,
      `expected the node content, but found ${quoted(token.id)}`,
      token.start,
    );
  }

  /** The tag a tag token writes: its handle's prefix and its suffix, or its suffix alone. */
  #tagOf(tag: Token, start: Mark | undefined): string {
    const suffix = tag.suffix ?? '';
    if (tag.name === undefined) return suffix;
    const prefix = this.#handles.get(tag.name);
    if (prefix === undefined) {
      throw parserError(
        'while parsing a node',
        start,
        `found undefined tag handle '${tag.name}'`,
        tag.start,
      );
    }
    return prefix + suffix;
  }

  #emptyScalar(mark: Mark): Event {
    return { kind: 'scalar', start: mark, implicit: true, value: '' };
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
