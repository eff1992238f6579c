import { Schema } from "effect"

/** The configuration of `github`: the organisation, a token (kept `Redacted`) and the API's base URL. */
export const GitHubConfig = Schema.Struct({
  org: Schema.propertySignature(
    Schema.String.pipe(
      Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9-]*$/, { message: () => "expected an organisation login" })
    )
  ).annotations({ description: "The organisation's login (`my-org`)." }),
  token: Schema.propertySignature(
    Schema.Redacted(Schema.String.pipe(Schema.minLength(1, { message: () => "the token is empty" })))
  ).annotations({
    description: "A personal access token or app token with read access to the organisation; never logged."
  }),
  baseUrl: Schema.optionalWith(
    Schema.String.pipe(
      Schema.pattern(/^https?:\/\/[^\s]+$/, { message: () => "expected an http(s) URL" }),
      Schema.filter((url) => URL.canParse(url) || "expected an http(s) URL"),
      Schema.filter((url) => {
        const parsed = new URL(url)
        return (
          (parsed.username === "" && parsed.password === "") ||
          "expected a URL without user or password (they would show in errors); give the token as token"
        )
      }),
      Schema.transform(Schema.String, { strict: true, decode: (url) => url.replace(/\/+$/, ""), encode: (url) => url })
    ),
    { default: () => "https://api.github.com" }
  ).annotations({
    description:
      "The REST API's base URL: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. Its origin (scheme, host, port) is the only one the token is sent to."
  })
})

/** The decoded configuration of `github`. */
export type GitHubConfig = typeof GitHubConfig.Type
