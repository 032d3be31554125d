/**
 * The search engines the local stack can run (stack.search.engine), each an embedded single node built from Maven
 * Central jars by engines/<dir>/prepare.sh. docs/stack.md#search-engines and docs/decisions/0004-search-engines.md.
 */
export const SEARCH_ENGINE_NAMES = [
  'opensearch-2',
  'opensearch-3',
  'elasticsearch-8',
  'elasticsearch-9',
] as const;
export type SearchEngineName = (typeof SEARCH_ENGINE_NAMES)[number];

export interface SearchEngineSpec {
  readonly name: SearchEngineName;
  readonly product: 'opensearch' | 'elasticsearch';
  /** The version the engine's pom pins (what CI tests). */
  readonly version: string;
  /** engines/<dir>: pom.xml and prepare.sh. */
  readonly dir: string;
  /** Oldest Java feature version that runs it (and compiles its launcher). */
  readonly javaMajor: number;
  /** The launcher class engines/run-java-engine.sh starts. */
  readonly mainClass: string;
  /** java.locale.providers, when not the JDK-neutral SPI,CLDR (OpenSearch 2's distribution uses SPI,COMPAT). */
  readonly localeProviders?: string;
  /** Where `stack up` keeps its data under stack.dataDir (opensearch-2 keeps the historical `opensearch`). */
  readonly homeDir: string;
}

export const SEARCH_ENGINES: Readonly<Record<SearchEngineName, SearchEngineSpec>> = {
  'opensearch-2': {
    name: 'opensearch-2',
    product: 'opensearch',
    version: '2.19.6',
    dir: 'opensearch',
    javaMajor: 17,
    mainClass: 'dev.syncline.engines.opensearch.Launcher',
    localeProviders: 'SPI,COMPAT',
    homeDir: 'opensearch',
  },
  'opensearch-3': {
    name: 'opensearch-3',
    product: 'opensearch',
    version: '3.9.0',
    dir: 'opensearch-3',
    javaMajor: 21,
    mainClass: 'dev.syncline.engines.opensearch.Launcher',
    homeDir: 'opensearch-3',
  },
  'elasticsearch-8': {
    name: 'elasticsearch-8',
    product: 'elasticsearch',
    version: '8.19.21',
    dir: 'elasticsearch-8',
    javaMajor: 17,
    mainClass: 'dev.syncline.engines.elasticsearch.Launcher',
    homeDir: 'elasticsearch-8',
  },
  'elasticsearch-9': {
    name: 'elasticsearch-9',
    product: 'elasticsearch',
    version: '9.5.3',
    dir: 'elasticsearch-9',
    javaMajor: 21,
    mainClass: 'dev.syncline.engines.elasticsearch.Launcher',
    homeDir: 'elasticsearch-9',
  },
};

export function isSearchEngineName(v: string): v is SearchEngineName {
  return (SEARCH_ENGINE_NAMES as readonly string[]).includes(v);
}
