import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { setCsrfToken } from './client.ts';
import { endpoints, type SignUpInput } from './endpoints.ts';
import type { Session } from './types.ts';

export const sessionKey = ['session'] as const;

const anonymous: Session = { user: null, orgs: [], csrfToken: null };

async function loadSession(): Promise<Session> {
  const session = await endpoints.me();
  setCsrfToken(session.csrfToken);
  return session;
}

export function useSession(): { session: Session; loading: boolean } {
  const query = useQuery({ queryKey: sessionKey, queryFn: loadSession, staleTime: 5 * 60_000, retry: 1 });
  return { session: query.data ?? anonymous, loading: query.isPending };
}

function adopt(client: QueryClient, session: Session): void {
  setCsrfToken(session.csrfToken);
  client.setQueryData(sessionKey, session);
  // Everything personal (follows, progress, resume points, drafts) changes with who is signed in.
  void client.invalidateQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ email, password }: { email: string; password: string }) => endpoints.signIn(email, password),
    onSuccess: (session) => adopt(client, session),
  });
}

export function useSignUp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: SignUpInput) => endpoints.signUp(input),
    onSuccess: (session) => adopt(client, session),
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => endpoints.signOut(),
    onSettled: () => {
      adopt(client, anonymous);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
      // The server clears the cookie; ask again so a fresh csrf/device state is picked up.
      void client.invalidateQueries({ queryKey: sessionKey });
    },
  });
}
