// Names each module of the API reference by its import path (`noclobber/sqlite`) instead
// of its source folder (`backends/sqlite`), since that is what a reader imports.
import { relative } from 'node:path';
import { Converter, ReflectionKind } from 'typedoc';
import { entryNames } from './typedoc.config.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const source = module.sources?.[0]?.fullFileName;
      const name = source && entryNames[relative(process.cwd(), source).replaceAll('\\', '/')];
      if (name) module.name = name;
    }
  });
}
