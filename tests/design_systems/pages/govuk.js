// GOV.UK Frontend's own start-up, from a file (no inline script: strict CSP).
import { initAll } from "/npm/govuk-frontend/dist/govuk/govuk-frontend.min.js";
import "/pages/dialog.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
