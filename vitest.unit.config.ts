import { defineConfig } from 'vitest/config';

// Unit tests only, without the stack: `npx vitest run --config vitest.unit.config.ts` (CI runs them
// inside the full suite, vitest.config.ts).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    reporters: ['default'],
  },
});
