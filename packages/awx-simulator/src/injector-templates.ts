import { parseTemplate, type VariablePath } from './jinja-templates.js';

export interface TemplateNamespace {
  readonly fields: ReadonlySet<string>;
  readonly files: 'single' | readonly string[];
}

type TemplateProblem = { kind: 'syntax' | 'undefined'; message: string };

// jinja2's DEFAULT_NAMESPACE: globals every template sees, defined without any input field.
const JINJA_GLOBALS = new Set(['cycler', 'dict', 'joiner', 'lipsum', 'namespace', 'range']);

/**
 * AWX renders each template against its validation namespace (each input field, and `tower` for
 * file names) with StrictUndefined: a syntax error anywhere comes first, then the first variable
 * or attribute that does not exist. Every variable an expression mentions is checked, including
 * one Jinja would skip when it evaluates (`false and x`): the simulator does not evaluate.
 */
export function checkTemplate(
  template: string,
  namespace: TemplateNamespace,
): TemplateProblem | undefined {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return { kind: 'syntax', message: parsed.message };
  for (const part of parsed.parts) {
    if (typeof part === 'string') continue;
    for (const read of part.reads) {
      const problem = 'name' in read ? checkPath(read, namespace) : undefined;
      if (problem) return { kind: 'undefined', message: problem };
    }
  }
  return undefined;
}

function checkPath(
  { name, attributes: [attribute, ...more] }: VariablePath,
  namespace: TemplateNamespace,
): string | undefined {
  // Jinja's compiler binds `self` to the template itself (a TemplateReference), whatever the
  // namespace holds.
  if (name === 'self') {
    return attribute === undefined
      ? undefined
      : `'jinja2.runtime.TemplateReference object' has no attribute '${attribute}'`;
  }
  if (namespace.fields.has(name)) {
    return attribute === undefined ? undefined : `'str object' has no attribute '${attribute}'`;
  }
  if (JINJA_GLOBALS.has(name)) return undefined;
  if (name !== 'tower') return `'${name}' is undefined`;
  const [file, ...rest] = more;
  if (attribute === undefined)
    return 'Cannot directly reference reserved `tower` namespace container.';
  if (attribute !== 'filename') return `'TowerNamespace object' has no attribute '${attribute}'`;
  if (namespace.files === 'single') {
    return file === undefined ? undefined : `'str object' has no attribute '${file}'`;
  }
  if (file === undefined) {
    return 'Must define unnamed file injector in order to reference `tower.filename`.';
  }
  if (!namespace.files.includes(file))
    return `'ExplodingNamespace object' has no attribute '${file}'`;
  return rest.length > 0 ? `'str object' has no attribute '${rest[0]}'` : undefined;
}
