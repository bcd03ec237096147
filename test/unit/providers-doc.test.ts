/**
 * docs/PROVIDERS.md's provider table is generated from the catalogue; this fails when either
 * changed without `npm run docs:providers`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_PATH, renderProviders, updatedDocument } from "../../scripts/providers-doc.js";
import { CATALOGUE } from "../../src/servers/catalogue.js";

describe("docs/PROVIDERS.md", () => {
  const document = readFileSync(DOC_PATH, "utf8");

  it("is up to date with the catalogue (run `npm run docs:providers`)", () => {
    expect(updatedDocument(document)).toBe(document);
  });

  it("has a table row and a section for every catalogue entry", () => {
    const generated = renderProviders();
    for (const entry of CATALOGUE) {
      expect(generated).toContain(`| [\`${entry.id}\`](#${entry.id}) |`);
      expect(generated).toContain(`### ${entry.id}\n`);
    }
  });
});
