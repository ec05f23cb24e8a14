import type { Dialect } from '../dialect.ts';

/** Plain TS 27.007: what any module answers. Chosen when no vendor dialect recognises the module. */
export const generic: Dialect = {
  id: 'generic',
  recognises: () => true,
  profileFor: () => undefined,
  urcs: [],
  setup: [],
  rebootCommand: 'AT+CFUN=1,1',
};
