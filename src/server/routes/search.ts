import type { FastifyInstance } from 'fastify';
import type { ProductSearchParams } from '../../catalog/search/product-query.js';
import type { ProductSearch } from '../../catalog/search/product-search.js';
import type { ApiConfig } from '../../config/schema.js';
import * as S from '../schemas.js';

/** GET /api/products/search: typed filters only, never query DSL from the client. */
export async function searchRoutes(app: FastifyInstance, opts: { search: ProductSearch; api: ApiConfig }) {
  app.get<{ Querystring: ProductSearchParams }>(
    '/api/products/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search products: full text, filters, facets, sort, highlight, page/size or cursor',
        querystring: S.productSearchQuery(opts.api.maxPageSize),
        response: {
          200: S.ProductSearchResponse,
          400: { ...S.ErrorResponse, description: 'SYNC_S3001 invalid parameter, SYNC_S3005 query refused' },
          503: { ...S.ErrorResponse, description: 'SYNC_S3007 search engine unavailable' },
        },
      },
    },
    async (req, reply) => {
      const { cached, ...result } = await opts.search.search(req.query);
      reply.header('x-syncline-cache', cached ? 'hit' : 'miss');
      return result;
    },
  );
}
