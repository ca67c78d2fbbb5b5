/**
 * The mailbox behind an address, so the same inbox written differently compares equal: case,
 * surrounding spaces, googlemail.com for gmail.com, and in Gmail the dots and +tags of the
 * local part (Gmail delivers those to one inbox). Other providers keep their local part as is.
 */
export function normaliseMailbox(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  let local = address.slice(0, at);
  let domain = address.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (domain === 'gmail.com') local = local.replace(/\+.*$/, '').replace(/\./g, '');
  return `${local}@${domain}`;
}
