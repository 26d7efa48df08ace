export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data: T | null | undefined;
  errors:
    Array<{ message: string; extensions?: Record<string, unknown>; path?: string[] }> | undefined;
  body: Record<string, unknown>;
}

/** One GraphQL POST as a client sends it; the token, if any, as `Authorization: Bearer`. */
export async function postGraphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Record<string, any>;
  return { status: res.status, data: body.data, errors: body.errors, body };
}
