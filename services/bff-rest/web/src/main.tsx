// The web client's entry: one session for this tab, the app rendered into #app.
import { render } from 'preact';
import { App } from './app.tsx';
import { createBrowserSession } from './session.ts';

const root = document.getElementById('app');
if (root) {
  root.replaceChildren();
  render(<App session={createBrowserSession(location.origin)} />, root);
}
