/** The names of the auth schemes Postman has and Ferry keeps without sending (`other` auth). */
const SCHEMES: Readonly<Record<string, string>> = {
  oauth2: 'OAuth 2.0',
  oauth1: 'OAuth 1.0',
  digest: 'Digest',
  awsv4: 'AWS Signature',
  hawk: 'Hawk',
  ntlm: 'NTLM',
  edgegrid: 'Akamai EdgeGrid',
  jwt: 'JWT Bearer',
  asap: 'ASAP (Atlassian)',
}

/** A scheme as people know it ("OAuth 2.0"); an unknown one as the file names it. */
export const schemeName = (scheme: string): string => SCHEMES[scheme] ?? scheme
