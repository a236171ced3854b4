import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { isApiError } from './api/client.ts';
import { App } from './app.tsx';
import './i18n/index.ts';
import './ui/styles.css';
import './ui/paywall.css';
import './ui/paywall-pages.css';

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers are final (not found, not allowed); only retry what might succeed.
      retry: (failures, error) => failures < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html lost its #root');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
