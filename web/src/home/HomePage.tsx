import { useI18n } from '../app/i18n';
import { useSignedIn } from '../app/session';
import { PageHeader } from '../app/ui';
import { ATTENTION_CARDS } from './attention';

export function HomePage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const cards = ATTENTION_CARDS.filter((card) => card.visible(user));
  return (
    <section className="page" data-testid="page-home">
      <PageHeader
        title={t('home.title', { name: user.display_name || user.username })}
        testId="page-title"
      />
      <section aria-labelledby="home-attention-title">
        <h2 id="home-attention-title" className="section-title">
          {t('home.attention')}
        </h2>
        <div className="cards" data-testid="home-attention">
          {cards.map(({ id, Component }) => (
            <Component key={id} />
          ))}
        </div>
      </section>
    </section>
  );
}
