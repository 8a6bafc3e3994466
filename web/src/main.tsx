import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setSessionLostHandler } from './api/client.ts';
import { ApiError } from './api/problem.ts';
import { I18nProvider } from './i18n/index.tsx';
import { applyTheme, readTheme, watchSystemTheme } from './lib/theme.ts';
import { router } from './router.tsx';
import './styles.css';

applyTheme(readTheme());
watchSystemTheme();

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; network and 5xx get one retry.
      retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

// A session that cannot be renewed: forget every tenant's data, then sign in and come back here.
setSessionLostHandler(() => {
  queryClient.clear();
  const here = router.state.location.href;
  if (!here.startsWith('/login')) void router.navigate({ to: '/login', search: { redirect: here } });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} context={{}} />
      </QueryClientProvider>
    </I18nProvider>
  </StrictMode>,
);
