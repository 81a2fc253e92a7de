import type { ViewContext } from '../context.ts';
import { BareLayout, Notice } from '../layout.tsx';

export function ErrorPage({ ctx, message }: { ctx: ViewContext; message: string }) {
  return (
    <BareLayout ctx={ctx} title={ctx.t('error.title')}>
      <Notice kind="bad">{message}</Notice>
      <p>
        <a href="/">{ctx.t('nav.dashboard')}</a>
      </p>
    </BareLayout>
  );
}
