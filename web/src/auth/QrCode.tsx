import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

/** The QR code of `text`, drawn in the browser (nothing leaves it) as a PNG data: URL. */
export function QrCode({ text, label, testId }: { text: string; label: string; testId: string }) {
  const [dataUrl, setDataUrl] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 224 })
      .then((url) => {
        if (!cancelled) setDataUrl(url);
      })
      .catch(() => {
        if (!cancelled) setDataUrl(null);
      });
    return () => {
      cancelled = true;
    };
  }, [text]);
  if (dataUrl === null) return <div className="qr qr-empty" aria-hidden="true" />;
  return (
    <img className="qr" src={dataUrl} alt={label} width={224} height={224} data-testid={testId} />
  );
}
