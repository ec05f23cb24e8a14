/**
 * A plan (`rig/plans/*.yaml`): scenarios with parameters and limits. Checked against the scenario
 * registry when loaded: an unknown scenario kind, a parameter the scenario does not take, a limit on a
 * measurement it does not declare or in a unit of the wrong dimension is refused before anything runs,
 * with the file, line and key.
 */
import { z } from 'zod';
import type { Limits } from './model.ts';
import type { ScenarioKind } from './scenario.ts';
import { convert, dimensionOf, parseQuantity, UnitError } from './units.ts';
import { ConfigFileError, type LineOf, loadYaml } from './yaml-file.ts';

const Id = z.string().regex(/^[a-z][\w-]{0,47}$/, 'an id: lower-case letter, then letters, digits, - or _');
const Quantity = z.union([z.number(), z.string()]);

const PlanScenario = z.strictObject({
  id: Id,
  /** A scenario kind from the registry (rig list shows them). */
  scenario: z.string(),
  title: z.string().optional(),
  /** Devices (bench names) it runs on; default: all. */
  devices: z.array(z.string()).optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Per measurement: low / high / marginal, each a number in the declared unit or text with a unit ("5 µA"). */
  limits: z
    .record(
      z.string(),
      z.strictObject({ low: Quantity.optional(), high: Quantity.optional(), marginal: Quantity.optional() }),
    )
    .default({}),
});

export const PlanSchema = z.strictObject({
  name: Id,
  description: z.string().optional(),
  scenarios: z.array(PlanScenario).min(1, 'a plan needs at least one scenario'),
});

export interface PlannedScenario {
  id: string;
  kind: ScenarioKind;
  title: string;
  devices?: string[];
  params: unknown;
  rawParams: Record<string, unknown>;
  /** Limits per measurement, in the measurement's declared unit. */
  limits: Record<string, Limits>;
}

export interface Plan {
  name: string;
  file: string;
  description?: string;
  scenarios: PlannedScenario[];
}

export function loadPlan(
  file: string,
  registry: Readonly<Record<string, ScenarioKind>>,
  benchDevices: readonly string[],
  text?: string,
): Plan {
  const { value, lineOf } = loadYaml(file, PlanSchema, text);
  const problems: { line?: number; key: string; message: string }[] = [];
  const ids = new Set<string>();
  const scenarios: PlannedScenario[] = [];
  for (const [i, s] of value.scenarios.entries()) {
    const at = (...k: (string | number)[]) => ({
      line: lineOf(['scenarios', i, ...k]),
      key: ['scenarios', i, ...k].join('.'),
    });
    if (ids.has(s.id)) problems.push({ ...at('id'), message: `scenario id "${s.id}" is used twice` });
    ids.add(s.id);
    const kind = registry[s.scenario];
    if (!kind) {
      problems.push({
        ...at('scenario'),
        message: `unknown scenario "${s.scenario}" (known: ${Object.keys(registry).join(', ')})`,
      });
      continue;
    }
    for (const [j, d] of (s.devices ?? []).entries()) {
      if (!benchDevices.includes(d))
        problems.push({
          ...at('devices', j),
          message: `the bench has no module "${d}" (it has ${benchDevices.join(', ')})`,
        });
    }
    const params = kind.params.safeParse(s.params);
    if (!params.success) {
      for (const issue of params.error.issues) {
        const path = issue.path as (string | number)[];
        const keys = (issue as { keys?: string[] }).keys;
        const where = issue.code === 'unrecognized_keys' && keys?.[0] ? [...path, keys[0]] : path;
        problems.push({ ...at('params', ...where), message: issue.message });
      }
    }
    const limits: Record<string, Limits> = {};
    for (const [name, given] of Object.entries(s.limits)) {
      const spec = kind.measurements[name];
      if (!spec) {
        problems.push({
          ...at('limits', name),
          message: `${s.scenario} measures no "${name}" (it measures ${Object.keys(kind.measurements).join(', ')})`,
        });
        continue;
      }
      const l: Limits = { ...spec.limits };
      for (const bound of ['low', 'high', 'marginal'] as const) {
        const raw = given[bound];
        if (raw === undefined) continue;
        try {
          const q = parseQuantity(raw);
          const unit = q.unit ?? spec.unit;
          if (dimensionOf(unit) !== dimensionOf(spec.unit))
            throw new UnitError(
              `"${raw}" is a ${dimensionOf(unit)}, but ${name} is measured in ${spec.unit} (${dimensionOf(spec.unit)})`,
            );
          l[bound] = convert(q.value, unit, spec.unit);
        } catch (e) {
          problems.push({ ...at('limits', name, bound), message: (e as Error).message });
        }
      }
      limits[name] = l;
    }
    scenarios.push({
      id: s.id,
      kind,
      title: s.title ?? kind.title,
      ...(s.devices ? { devices: s.devices } : {}),
      params: params.success ? params.data : undefined,
      rawParams: s.params,
      limits,
    });
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return {
    name: value.name,
    file,
    ...(value.description ? { description: value.description } : {}),
    scenarios,
  };
}

export type { LineOf };
