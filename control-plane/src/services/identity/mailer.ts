// Outgoing email for one-time links (invitations, password resets), through nodemailer when SMTP_URL is
// set (smtp://user:pass@host:587, smtps://… for TLS from the start). Without it no mail is sent and the
// links are only shown to whoever issued them.
import { createTransport } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export const DEFAULT_MAIL_FROM = 'AI Gateway <no-reply@localhost>';

export function createSmtpMailer(smtpUrl: string, from: string = DEFAULT_MAIL_FROM): Mailer {
  const transport = createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
