// A worker source as a user writes it for swkit build --inject. (Strategies
// are left out so that this golden file changes only with the precache.)
import { precacheAndRoute, registerRoute, skipWaitingOnMessage } from 'swkit/sw';
import { API_PREFIX } from './config.js';

precacheAndRoute(self.__SWKIT_MANIFEST);
registerRoute((ctx) => ctx.url.pathname.startsWith(API_PREFIX), ({ request }) => fetch(request, { cache: 'no-store' }));
skipWaitingOnMessage();
