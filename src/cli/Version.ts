/** This parallax's version, as `parallax --version` prints it. */
export const VERSION = "0.1.0"
