/** A listening socket from `/proc/net/{tcp,tcp6,udp,udp6}`. */
export interface ListeningSocket {
  readonly protocol: "tcp" | "udp"
  readonly family: "ipv4" | "ipv6"
  readonly address: string
  readonly port: number
}

const TCP_LISTEN = "0A"
const UDP_UNCONNECTED = "07"

/** An IPv4 address as the kernel writes it: 8 hex digits, little-endian on little-endian machines. */
const ipv4 = (hex: string): string => {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16))
  return bytes.reverse().join(".")
}

/** An IPv6 address as the kernel writes it: four 32-bit words, each in host (little-endian) order. */
const ipv6 = (hex: string): string => {
  const bytes: Array<string> = []
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8)
    for (let i = 6; i >= 0; i -= 2) bytes.push(chunk.slice(i, i + 2))
  }
  const groups: Array<string> = []
  for (let i = 0; i < 16; i += 2) groups.push(Number.parseInt(`${bytes[i]}${bytes[i + 1]}`, 16).toString(16))
  const text = groups.join(":")
  if (text.startsWith("0:0:0:0:0:ffff:")) return `::ffff:${ipv4(hex.slice(24, 32))}`
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length)
  const longest = runs[0]
  return longest ? `${text.slice(0, longest.index)}::${text.slice((longest.index ?? 0) + longest[0].length)}` : text
}

/**
 * The listening sockets in one `/proc/net` table: TCP sockets in state LISTEN and UDP sockets that are
 * bound but not connected, outside the ephemeral port range: a port there was picked by the kernel for
 * a client or a throw-away server (`listen(0)`), lives for a moment, and would make two syncs differ.
 */
export const parseSockets = (
  text: string,
  protocol: "tcp" | "udp",
  family: "ipv4" | "ipv6",
  ephemeral: readonly [number, number]
): ReadonlyArray<ListeningSocket> =>
  text
    .split("\n")
    .slice(1)
    .flatMap((line) => {
      const [, local, remote, state] = line.trim().split(/\s+/)
      if (local === undefined || remote === undefined) return []
      const [hexAddress = "", hexPort = ""] = local.split(":")
      const port = Number.parseInt(hexPort, 16)
      if (!Number.isFinite(port)) return []
      if (protocol === "tcp" && state !== TCP_LISTEN) return []
      if (protocol === "udp") {
        const remotePort = Number.parseInt(remote.split(":")[1] ?? "", 16)
        if (state !== UDP_UNCONNECTED || remotePort !== 0) return []
      }
      if (port >= ephemeral[0] && port <= ephemeral[1]) return []
      const address = family === "ipv4" ? ipv4(hexAddress) : ipv6(hexAddress)
      return [{ protocol, family, address, port }]
    })

/** `/proc/sys/net/ipv4/ip_local_port_range`: the ephemeral port range (Linux's default when unreadable). */
export const parsePortRange = (text: string | undefined): readonly [number, number] => {
  const [low, high] = (text ?? "").trim().split(/\s+/).map(Number)
  return low !== undefined && high !== undefined && Number.isFinite(low) && Number.isFinite(high)
    ? [low, high]
    : [32768, 60999]
}

/** Whether the address listens on every interface. */
export const isWildcard = (address: string): boolean => address === "0.0.0.0" || address === "::"

/** The kernel's names for the ARPHRD link types `/sys/class/net/<if>/type` holds. */
export const LINK_TYPES: Readonly<Record<string, string>> = {
  "1": "ether",
  "24": "ieee1394",
  "32": "infiniband",
  "512": "ppp",
  "768": "ipip",
  "769": "tunnel6",
  "772": "loopback",
  "776": "sit",
  "778": "gre",
  "801": "ieee80211",
  "65534": "none"
}
