/** The page's script, as text: `GraphPage` imports it `with { type: "text" }` to inline it. */
declare const text: string
export default text
