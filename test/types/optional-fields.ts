import ts from 'typescript';

/** An optional property whose declared type does not admit `undefined`. */
export interface ClosedOptional {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  /** Where ` | undefined` goes, and whether the type needs parentheses first. */
  readonly typeStart: number;
  readonly typeEnd: number;
  readonly parenthesize: boolean;
}

/**
 * Under `exactOptionalPropertyTypes`, `{ retries?: number }` refuses `{ retries: undefined }`, the
 * shape a caller gets from `process.env.X` or from passing its own optional value on. Our options
 * are written `retries?: number | undefined` so both kinds of caller compile.
 */
export function closedOptionals(files: readonly string[]): ClosedOptional[] {
  const program = ts.createProgram(files, {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const found: ClosedOptional[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${file} is not in the program`);
    const visit = (node: ts.Node): void => {
      if (
        ts.isPropertySignature(node) &&
        node.questionToken !== undefined &&
        node.type !== undefined
      ) {
        if (!admitsUndefined(checker.getTypeFromTypeNode(node.type))) {
          found.push({
            file,
            line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
            name: node.name.getText(source),
            typeStart: node.type.getStart(source),
            typeEnd: node.type.getEnd(),
            parenthesize: needsParentheses(node.type),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function admitsUndefined(type: ts.Type): boolean {
  const open = ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Void;
  if ((type.flags & open) !== 0) return true;
  return type.isUnion() && type.types.some((member) => (member.flags & open) !== 0);
}

/** `() => void | undefined` would make the return optional, not the property. */
function needsParentheses(type: ts.TypeNode): boolean {
  return (
    ts.isFunctionTypeNode(type) || ts.isConstructorTypeNode(type) || ts.isConditionalTypeNode(type)
  );
}
