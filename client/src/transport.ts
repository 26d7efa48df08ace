import { AuthqlError, type GraphQLErrorJSON } from './errors';

/** A typed document: a generated TypedDocumentString, a TypedDocumentNode (gql`` with its source), or text. */
export type Document<TResult = unknown, TVariables = Record<string, unknown>> =
  | string
  | { readonly __apiType?: (variables: TVariables) => TResult; toString(): string }
  | { readonly loc?: { source: { body: string } } | undefined; readonly kind?: string };

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** The operation's text: strings as they are; a DocumentNode from its source (graphql-tag keeps it). */
export function textOf(document: Document<unknown, never>): string {
  if (typeof document === 'string') return document;
  if ('kind' in document && document.kind === 'Document') {
    const body = document.loc?.source.body;
    if (!body)
      throw new AuthqlError(
        'BAD_USER_INPUT',
        'This DocumentNode has no source text: pass a string or a gql`` document.',
      );
    return body;
  }
  return document.toString();
}

/** Posts one operation; answers `data` or throws an AuthqlError (NETWORK_ERROR when no GraphQL answer came). */
export async function post<T>(
  fetchFn: FetchLike,
  url: string,
  query: string,
  variables: unknown,
  accessToken?: string,
): Promise<T> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
  } catch (cause) {
    throw new AuthqlError('NETWORK_ERROR', 'The authentication server could not be reached.', {
      cause,
    });
  }
  let body: { data?: T | null; errors?: GraphQLErrorJSON[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (cause) {
    throw new AuthqlError('NETWORK_ERROR', `The server answered ${res.status} without GraphQL.`, {
      status: res.status,
      cause,
    });
  }
  if (body.errors?.length) throw AuthqlError.fromErrors(body.errors, res.status);
  if (!res.ok || body.data == null)
    throw new AuthqlError('NETWORK_ERROR', `The server answered ${res.status} without data.`, {
      status: res.status,
    });
  return body.data;
}
