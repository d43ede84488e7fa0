// templates.js -- the worksheet templates the plugin serves (cbt.templates), asked once per panel:
// the catalogue (ids and titles) and each whole Questionnaire when first opened.
export const PLAN_TEMPLATE = 'relapse-prevention-plan';

export function createTemplates(api) {
  let catalogue = null;
  const full = new Map(); // id -> Promise<Questionnaire>

  return {
    /** [{id, title, description?, version?}], sorted by id. */
    list() {
      if (!catalogue) {
        catalogue = api.request({ type: 'cbt.templates' }).then((r) => r.templates || []);
        catalogue.catch(() => { catalogue = null; });
      }
      return catalogue;
    },
    /** The whole Questionnaire of a template. */
    questionnaire(id) {
      if (!full.has(id)) {
        const p = api.request({ type: 'cbt.templates', template: id }).then((r) => r.questionnaire);
        p.catch(() => full.delete(id));
        full.set(id, p);
      }
      return full.get(id);
    },
    /** Forget everything (after the plugin was reloaded). */
    clear() {
      catalogue = null;
      full.clear();
    },
  };
}
