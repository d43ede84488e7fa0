'use strict';
// A test page for web/questionnaire/form.js on the running daemon's own origin, so that the form,
// its stylesheet and /ui.js come from the daemon as a panel gets them, under the same
// Content-Security-Policy. Playwright answers the page's two files (/__qform__/…) itself; nothing
// test-only is added to the installed web/.
//
// The page has a <form> holding the questionnaire form and a "Send worksheet" button that calls
// validate(). window.mount(options) (re)creates the form with the questionnaire given to
// openQuestionnairePage; window.events records onChange / onFocusField / onBlurField as
// ['change', path] / ['focus', path] / ['blur', path]; window.createForm is the module's export.
const http = require('node:http');

const HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Questionnaire form test</title><link rel="stylesheet" href="/style.css"></head>
<body><main>
<h1>Thought record</h1>
<form id="worksheet" novalidate>
  <div id="form-box"></div>
  <div class="button-row"><button class="primary" type="submit">Send worksheet</button></div>
</form>
<div id="second-box"></div>
</main>
<script type="module" src="/__qform__/page.js"></script>
</body></html>`;

const JS = `import { createForm } from '/questionnaire/form.js';
window.createForm = createForm;
window.questionnaire = await (await fetch('/__qform__/questionnaire.json')).json();
window.events = [];
window.mount = (options = {}) => {
  if (window.qf) window.qf.destroy();
  window.events = [];
  window.qf = createForm(document.getElementById('form-box'), window.questionnaire, {
    rowLabels: { thoughts: 'Thought', feelings: 'Feeling' },
    onChange: (response, where) => window.events.push(['change', where.path]),
    onFocusField: (path) => window.events.push(['focus', path]),
    onBlurField: (path) => window.events.push(['blur', path]),
    ...options,
  });
  return true;
};
document.getElementById('worksheet').addEventListener('submit', (e) => {
  e.preventDefault();
  window.submitted = window.qf.validate();
});
window.mount();
window.qfReady = true;
`;

/** The daemon's Content-Security-Policy, as it sends it with its own pages. */
function daemonPolicy(url) {
  return new Promise((resolve, reject) => {
    // A connection of its own: node's default agent keeps sockets alive between tests, and one the
    // daemon closed while idle would hang up on the next request.
    http.get(`${url}/`, { agent: false }, (res) => {
      res.resume();
      const policy = res.headers['content-security-policy'];
      if (policy) resolve(policy);
      else reject(new Error('the daemon sent no Content-Security-Policy'));
    }).on('error', reject);
  });
}

/** Open the test page on page (a Playwright page) for the daemon at url, with this questionnaire. */
async function openQuestionnairePage(page, url, questionnaire) {
  const policy = await daemonPolicy(url);
  const files = {
    '/__qform__/index.html': ['text/html', HTML],
    '/__qform__/page.js': ['text/javascript', JS],
    '/__qform__/questionnaire.json': ['application/json', JSON.stringify(questionnaire)],
  };
  await page.route(`${url}/__qform__/**`, (route) => {
    const file = files[new URL(route.request().url()).pathname];
    if (!file) return route.fulfill({ status: 404, body: 'not here' });
    return route.fulfill({
      status: 200,
      headers: { 'content-type': `${file[0]}; charset=utf-8`, 'content-security-policy': policy, 'cache-control': 'no-store' },
      body: file[1],
    });
  });
  await page.goto(`${url}/__qform__/index.html`);
  await page.waitForFunction(() => window.qfReady === true, null, { polling: 50 });
}

module.exports = { openQuestionnairePage };
