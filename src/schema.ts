/**
 * zod for every boundary, in its tree-shakeable "mini" form (the classic build put ~450 KB of
 * minified code into the Worker bundle). Import as `import * as z from "./schema.js"`: English
 * messages are configured once here, and only the one locale is bundled.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
