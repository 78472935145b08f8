/**
 * Irregular English verb forms. Stemming does not join "lose" and "lost" or "pay" and "paid", but
 * employees ask "what if I lose my card?" of a handbook that says "lost cards". Each group lists
 * the forms of one verb; a query word in any form also searches the others. "leave"/"left" is
 * left out on purpose: in a handbook "leave" is time off, not a verb.
 */
const GROUPS = `arise arose arisen|be was were been|bear bore borne|begin began begun|break broke broken|bring brought|build built|buy bought|catch caught|choose chose chosen|come came|cost|cut|deal dealt|do did done|draw drew drawn|drink drank drunk|drive drove driven|eat ate eaten|fall fell fallen|feel felt|fight fought|find found|fly flew flown|forbid forbade forbidden|forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|get got gotten|give gave given|go went gone|grow grew grown|hang hung|have had|hear heard|hide hid hidden|hit|hold held|hurt|keep kept|know knew known|lay laid|lead led|lend lent|let|lie lay lain|lose lost|make made|mean meant|meet met|pay paid|put|quit|read|ride rode ridden|ring rang rung|rise rose risen|run ran|say said|see saw seen|seek sought|sell sold|send sent|set|shake shook shaken|shoot shot|shut|sing sang sung|sit sat|sleep slept|speak spoke spoken|spend spent|stand stood|steal stole stolen|stick stuck|strike struck|swear swore sworn|swim swam swum|take took taken|teach taught|tear tore torn|tell told|think thought|throw threw thrown|understand understood|wake woke woken|wear wore worn|win won|withdraw withdrew withdrawn|write wrote written|child children|man men|woman women|person people|foot feet|tooth teeth|mouse mice`

const forms = new Map<string, string[]>()
for (const group of GROUPS.split('|')) {
  const words = group.split(' ')
  for (const w of words) forms.set(w, words)
}

/** The other forms of an irregular word (lower case), or an empty list. */
export function otherForms(word: string): string[] {
  return (forms.get(word) ?? []).filter((w) => w !== word)
}
